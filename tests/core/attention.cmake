# Tests of core/src/attention (AUTOMOC: the test class is a QObject).
alignscope_add_test(testattention SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testattention.cpp LABELS unit)
set_target_properties(testattention PROPERTIES AUTOMOC ON)
# The Transformer's parts: gradients against finite differences, masks, heads, positions.
alignscope_add_test(testtransformerblocks SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testtransformerblocks.cpp LABELS unit
  LIBS nlohmann_json::nlohmann_json)
