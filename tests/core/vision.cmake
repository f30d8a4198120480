# Tests of core/src/vision: Pillow's resize and ViTImageProcessor's pixel values against transformers.
alignscope_add_test(testimage SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testimage.cpp LABELS unit
  LIBS nlohmann_json::nlohmann_json)
