# Tests of the headless CLI, run as a process (AUTOMOC: QObject test class).
alignscope_add_test(testcli SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testcli.cpp LABELS unit
  LIBS nlohmann_json::nlohmann_json)
set_target_properties(testcli PROPERTIES AUTOMOC ON)
target_compile_definitions(testcli PRIVATE ALIGNSCOPE_CLI="$<TARGET_FILE:alignscope-cli>")
add_dependencies(testcli alignscope-cli)
# The bad-input matrix of issue #10 (sentences via the CLI, damaged files).
alignscope_add_test(testbadinput SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testbadinput.cpp LABELS unit
  LIBS nlohmann_json::nlohmann_json)
target_compile_definitions(testbadinput PRIVATE ALIGNSCOPE_CLI="$<TARGET_FILE:alignscope-cli>")
add_dependencies(testbadinput alignscope-cli)
# The bundled models' traces and exports against tests/data/golden.
alignscope_add_test(testgolden SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testgolden.cpp LABELS unit
  LIBS nlohmann_json::nlohmann_json)
target_compile_definitions(testgolden PRIVATE ALIGNSCOPE_CLI="$<TARGET_FILE:alignscope-cli>")
add_dependencies(testgolden alignscope-cli)
# COMMAND --help, help COMMAND (issue #22).
alignscope_add_test(testclihelp SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testclihelp.cpp LABELS unit)
target_compile_definitions(testclihelp PRIVATE ALIGNSCOPE_CLI="$<TARGET_FILE:alignscope-cli>")
add_dependencies(testclihelp alignscope-cli)
# translate reading sentences from standard input (issue #22).
alignscope_add_test(testclistdin SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testclistdin.cpp LABELS unit
  LIBS nlohmann_json::nlohmann_json)
target_compile_definitions(testclistdin PRIVATE ALIGNSCOPE_CLI="$<TARGET_FILE:alignscope-cli>")
add_dependencies(testclistdin alignscope-cli)
