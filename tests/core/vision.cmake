# Tests of core/src/vision: Pillow's resize and ViTImageProcessor's pixel values against transformers.
alignscope_add_test(testimage SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testimage.cpp LABELS unit
  LIBS nlohmann_json::nlohmann_json)
# The PNG / JPEG reader (alignscope/imagefile.h) and the fuzz target's seeds.
alignscope_add_test(testimagefile SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testimagefile.cpp LABELS unit)
# The CLI's --image for translate --json (patch grid), compare and export, on the ViT + GPT-2 fixture.
alignscope_add_test(testcliimage SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testcliimage.cpp LABELS unit
  LIBS nlohmann_json::nlohmann_json)
target_compile_definitions(testcliimage PRIVATE ALIGNSCOPE_CLI="$<TARGET_FILE:alignscope-cli>"
  $<$<BOOL:${ALIGNSCOPE_BUILD_UI}>:ALIGNSCOPE_TEST_FIGURES>)
add_dependencies(testcliimage alignscope-cli)
