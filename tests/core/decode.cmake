# Tests of core/src/decode (AUTOMOC: the test class is a QObject).
alignscope_add_test(testdecode SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testdecode.cpp LABELS unit
  LIBS nlohmann_json::nlohmann_json)
set_target_properties(testdecode PROPERTIES AUTOMOC ON)
# compareModels: concurrent decodes equal decodes alone (also under TSan).
alignscope_add_test(testcompare SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testcompare.cpp LABELS unit)
# Layers × heads: the selection through trace, JSON, exports and metrics (synthetic multi-head traces).
alignscope_add_test(testheads SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testheads.cpp LABELS unit
  LIBS nlohmann_json::nlohmann_json)
# The decode partner thread and its kernel: bit-identical to one core (also under TSan).
alignscope_add_test(testpartner SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testpartner.cpp LABELS unit)
# Interventions (edit attention, drop source positions, ablate heads) on the bundled models.
alignscope_add_test(testintervention SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testintervention.cpp LABELS unit
  LIBS nlohmann_json::nlohmann_json)
set_target_properties(testintervention PROPERTIES AUTOMOC ON)
