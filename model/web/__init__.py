"""The local web page (hpa serve): the county officer's way in without a terminal."""
