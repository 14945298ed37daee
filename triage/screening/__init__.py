"""The screening loop over a project: glue between the store and the ranking cycle."""
