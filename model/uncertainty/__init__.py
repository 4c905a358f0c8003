"""Parameter uncertainty: cited distributions of scenario parameters, a Sobol draw for each replication, and
the scenarios a replication settles with once its draw is applied."""
