# t/directory: milter/directory: the recipient directory and its
# sources, each suite next to the source it tests.
