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

} // namespace alignscope
