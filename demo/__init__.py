"""`make demo`: the whole pipeline for one day, on the stack that `make up` started."""
