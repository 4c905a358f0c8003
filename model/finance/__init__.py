"""How funds reach providers beside claim by claim: capitation of the county medical community."""
