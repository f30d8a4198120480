# Tests of core/src/audio: decoding, resampling, hostile files.
alignscope_add_test(testaudio SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testaudio.cpp LABELS unit)
