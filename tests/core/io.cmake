# Tests of core/src/io. The helper does not run moc and the test class is a
# QObject, hence AUTOMOC per target.
alignscope_add_test(testsafetensors SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testsafetensors.cpp LABELS unit)
set_target_properties(testsafetensors PROPERTIES AUTOMOC ON)
