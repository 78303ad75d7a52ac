"""`make mutants`: break the core rules one at a time on a scratch copy and check that the
tests that guard each rule fail (docs/contributing.md, "Mutation check")."""
