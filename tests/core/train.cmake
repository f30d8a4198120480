alignscope_add_test(testtrainer SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testtrainer.cpp LABELS unit)
