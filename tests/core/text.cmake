# Tests of core/src/text. The helper does not run moc, and QObject test
# classes need it, hence AUTOMOC per target.
alignscope_add_test(testtokenizer SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testtokenizer.cpp LABELS unit)
set_target_properties(testtokenizer PROPERTIES AUTOMOC ON)
alignscope_add_test(testvocabulary SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testvocabulary.cpp LABELS unit)
set_target_properties(testvocabulary PROPERTIES AUTOMOC ON)
alignscope_add_test(testhftokenizer SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testhftokenizer.cpp LABELS unit
  LIBS nlohmann_json::nlohmann_json)
set_target_properties(testhftokenizer PROPERTIES AUTOMOC ON)
