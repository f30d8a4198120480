alignscope_add_test(testcorpus SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testcorpus.cpp LABELS unit)
set_target_properties(testcorpus PROPERTIES AUTOMOC ON)
alignscope_add_test(testenfrgrammar SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testenfrgrammar.cpp LABELS unit)
set_target_properties(testenfrgrammar PROPERTIES AUTOMOC ON)
alignscope_add_test(testdates SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testdates.cpp LABELS unit)
set_target_properties(testdates PROPERTIES AUTOMOC ON)
# The scenes task and the bundled scenes captioner (issue #21).
alignscope_add_test(testscenes SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testscenes.cpp LABELS unit)
set_target_properties(testscenes PROPERTIES AUTOMOC ON)
