# Tests of core/src/audio: decoding, resampling, hostile files; Whisper's log-mel features against transformers.
alignscope_add_test(testaudio SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testaudio.cpp LABELS unit)
alignscope_add_test(testaudiofeatures SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testaudiofeatures.cpp LABELS unit)
