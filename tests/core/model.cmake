# Tests of core/src/model: cells against PyTorch, whole-network gradients,
# model files. AUTOMOC: the test classes are QObjects.
alignscope_add_test(testcells SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testcells.cpp LABELS unit
  LIBS nlohmann_json::nlohmann_json)
set_target_properties(testcells PROPERTIES AUTOMOC ON)
alignscope_add_test(testnetwork SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testnetwork.cpp LABELS unit)
set_target_properties(testnetwork PROPERTIES AUTOMOC ON)
alignscope_add_test(testmodelfile SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testmodelfile.cpp LABELS unit
  LIBS nlohmann_json::nlohmann_json)
set_target_properties(testmodelfile PROPERTIES AUTOMOC ON)
# The Transformer encoder–decoder: cache vs full forward, whole-network gradients, traces of every head.
alignscope_add_test(testtransformermodel SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testtransformermodel.cpp LABELS unit
  LIBS nlohmann_json::nlohmann_json)
# The bundled models' model-card promises: the seed sentence, a head on "cat" at "chat", exact match.
alignscope_add_test(testbundled SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testbundled.cpp LABELS unit)
set_target_properties(testbundled PROPERTIES AUTOMOC ON)
