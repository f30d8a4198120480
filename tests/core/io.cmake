# Tests of core/src/io.
alignscope_add_test(testsafetensors SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testsafetensors.cpp LABELS unit)
