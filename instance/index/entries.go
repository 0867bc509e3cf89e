package index

// Entries counts the files the index was made from, sidecars and .import
// files included (Files holds the project's files without those).
func (ix *Index) Entries() int { return len(ix.cache) }
