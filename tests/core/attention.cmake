# Tests of core/src/attention (AUTOMOC: the test class is a QObject).
alignscope_add_test(testattention SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testattention.cpp LABELS unit)
set_target_properties(testattention PROPERTIES AUTOMOC ON)
# The Transformer's parts: gradients against finite differences, masks, heads, positions.
alignscope_add_test(testtransformerblocks SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testtransformerblocks.cpp LABELS unit
  LIBS nlohmann_json::nlohmann_json)
# The 1-D convolution (Whisper's front end): gradients against finite differences, forward against its definition.
alignscope_add_test(testconv1d SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testconv1d.cpp LABELS unit)
