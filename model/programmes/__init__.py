"""What the schemes pay for besides claims: programme costs (a ledger per scheme), capitation and debts."""
