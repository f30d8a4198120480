# Tests of core/src/attention (AUTOMOC: the test class is a QObject).
alignscope_add_test(testattention SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testattention.cpp LABELS unit)
set_target_properties(testattention PROPERTIES AUTOMOC ON)
