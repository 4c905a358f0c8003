"""HPA-Sim: a policy-costing model for China's health poverty alleviation schemes (健康扶贫)."""

__version__ = "0.1.0"
