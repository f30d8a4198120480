# Tests of core/src/speech: word timestamps (DTW, median filter, word grouping; token times against transformers).
alignscope_add_test(testtimestamps SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testtimestamps.cpp LABELS unit
  LIBS nlohmann_json::nlohmann_json)
alignscope_add_test(testsubtitles SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testsubtitles.cpp LABELS unit)
# Long clips in the model's windows (the tiny Whisper fixture).
alignscope_add_test(testtranscribe SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testtranscribe.cpp LABELS unit)
# translate / export / compare --audio through the CLI: words, windows, subtitles, refusals.
alignscope_add_test(testclispeech SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testclispeech.cpp LABELS unit
  LIBS nlohmann_json::nlohmann_json)
target_compile_definitions(testclispeech PRIVATE ALIGNSCOPE_CLI="$<TARGET_FILE:alignscope-cli>")
add_dependencies(testclispeech alignscope-cli)
# Speech models trained here: the audio-tsv corpus, the front end at a clip's own length, a tiny
# model learning tones, `task` and `train --format audio-tsv`, the bundled speech model.
alignscope_add_test(testspeechmodel SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testspeechmodel.cpp LABELS unit
  LIBS nlohmann_json::nlohmann_json)
set_target_properties(testspeechmodel PROPERTIES AUTOMOC ON)
target_compile_definitions(testspeechmodel PRIVATE ALIGNSCOPE_CLI="$<TARGET_FILE:alignscope-cli>")
add_dependencies(testspeechmodel alignscope-cli)
