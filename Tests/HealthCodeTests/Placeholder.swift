// placeholder; replaced by the first real test file
