"""Reading inputs: files in, canonical Arrow tables out."""
