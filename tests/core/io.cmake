# Tests of core/src/io.
alignscope_add_test(testsafetensors SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testsafetensors.cpp LABELS unit)
# Checkpoints found by fuzzing (tests/data/malformed/pytorch).
alignscope_add_test(testpytorchfiles SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testpytorchfiles.cpp LABELS unit)
