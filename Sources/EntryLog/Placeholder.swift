// EntryLog: placeholder so the module compiles while it is being written; replaced by its first real file.
