"""The county profile (县域概况): template, reading, and the run at the county's true size."""
