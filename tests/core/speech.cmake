# Tests of core/src/speech: word timestamps (DTW, median filter, word grouping; token times against transformers).
alignscope_add_test(testtimestamps SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testtimestamps.cpp LABELS unit
  LIBS nlohmann_json::nlohmann_json)
alignscope_add_test(testsubtitles SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testsubtitles.cpp LABELS unit)
# Long clips in the model's windows (the tiny Whisper fixture).
alignscope_add_test(testtranscribe SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testtranscribe.cpp LABELS unit)
