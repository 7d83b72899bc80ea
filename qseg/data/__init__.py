"""Dataset generators and loaders: the seed notebook's synthetic customers, standard instances."""
