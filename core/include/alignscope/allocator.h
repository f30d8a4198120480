#pragma once
// How the programs ask the C library's allocator to treat the engine's
// matrices. An encode makes and frees matrices of megabytes at every layer
// (ViT-base: about 15 MB a layer); by default glibc hands them back to the
// system and faults them in again, zeroed, at the next layer — a tenth of an
// image encode. The AlignScope programs call this once at start; a library
// user may or may not want it for their process.

namespace alignscope {

/// Serves matrices of up to 64 MB from the heap and keeps up to 256 MB of
/// freed heap for reuse (glibc's mallopt; a no-op elsewhere).
void keepFreedMatricesForReuse();

/// Moves the weights a decoder step streams (its layers' projections and
/// feed-forward, the output layer) of every model opened from a Hugging Face
/// folder or a whisper.cpp file afterwards into 2 MB pages, in a background
/// thread: a step then reads them 10–50% faster than from 4 KB pages. Linux
/// only (transparent huge pages, and MADV_COLLAPSE from 6.1); elsewhere, or
/// when the system has them off, nothing changes. The weights' values never
/// change; the model is usable meanwhile.
void backStreamedWeightsWithLargePages();

/// Blocks until the weights queued for large pages so far have moved (a
/// benchmark times decoder steps after).
void waitForLargePages();

} // namespace alignscope
