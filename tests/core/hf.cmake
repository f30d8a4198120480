# Tests of core/src/hf: broken and hostile Hugging Face folders, config defaults, the cache list.
alignscope_add_test(testhffolders SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testhffolders.cpp LABELS unit
  LIBS nlohmann_json::nlohmann_json)
target_compile_definitions(testhffolders PRIVATE ALIGNSCOPE_CLI="$<TARGET_FILE:alignscope-cli>")
add_dependencies(testhffolders alignscope-cli)
