# Tests of the data exports (core/src/io/attentionexport.cpp).
alignscope_add_test(testattentionexport SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testattentionexport.cpp LABELS unit
  LIBS nlohmann_json::nlohmann_json)
