# Tests of core/src/metrics (AUTOMOC: the test class is a QObject).
alignscope_add_test(testmetrics SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testmetrics.cpp LABELS unit)
set_target_properties(testmetrics PROPERTIES AUTOMOC ON)
