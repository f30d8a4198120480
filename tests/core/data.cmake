alignscope_add_test(testcorpus SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testcorpus.cpp LABELS unit)
set_target_properties(testcorpus PROPERTIES AUTOMOC ON)
