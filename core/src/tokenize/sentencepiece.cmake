# sentencepiece model files through the sentencepiece library (see
# sentencepiece_tokenizer.h). Included from core/CMakeLists.txt after the
# cappy_core target exists.
#
#   CAPPY_WITH_SENTENCEPIECE        ON natively (Debian libsentencepiece-dev,
#                                   found with pkg-config); under Emscripten ON
#                                   when CAPPY_SENTENCEPIECE_SOURCE_DIR is given
#                                   (scripts/build-wasm gives it). OFF: loading a
#                                   sentencepiece file is a clear error;
#                                   tokenizer.json still works.
#   CAPPY_SENTENCEPIECE_SOURCE_DIR  instead of the system library, build
#                                   sentencepiece from this source tree (Debian's
#                                   source package, fetched by
#                                   scripts/fetch-sentencepiece-source): the route
#                                   for WebAssembly, where no system library exists.
set(CAPPY_SENTENCEPIECE_SOURCE_DIR "" CACHE PATH "Build sentencepiece from this source tree instead of the system library")
if(EMSCRIPTEN AND NOT CAPPY_SENTENCEPIECE_SOURCE_DIR)
  set(_cappy_spm_default OFF)
else()
  set(_cappy_spm_default ON)
endif()
option(CAPPY_WITH_SENTENCEPIECE "Read sentencepiece model files with the sentencepiece library" ${_cappy_spm_default})

set(_cappy_spm_dir ${CMAKE_CURRENT_SOURCE_DIR}/src/tokenize)
if(CAPPY_WITH_SENTENCEPIECE)
  set_source_files_properties(${_cappy_spm_dir}/sentencepiece_unavailable.cc PROPERTIES HEADER_FILE_ONLY ON)
  if(CAPPY_SENTENCEPIECE_SOURCE_DIR)
    if(NOT EXISTS ${CAPPY_SENTENCEPIECE_SOURCE_DIR}/src/sentencepiece_processor.h)
      message(FATAL_ERROR "CAPPY_SENTENCEPIECE_SOURCE_DIR=${CAPPY_SENTENCEPIECE_SOURCE_DIR} is no sentencepiece "
                          "source tree (no src/sentencepiece_processor.h); scripts/fetch-sentencepiece-source fetches one")
    endif()
    # sentencepiece's own CMake build (EXCLUDE_FROM_ALL: only the processor
    # library and its built-in protobuf-lite get built). Debian's source
    # package removes the -static targets (debian/patches/
    # disable-static-library.patch), so the library target is `sentencepiece`,
    # which Emscripten builds as a static archive (it has no shared libraries).
    set(SPM_ENABLE_TCMALLOC OFF CACHE BOOL "" FORCE)
    set(SPM_USE_BUILTIN_PROTOBUF ON CACHE BOOL "" FORCE)
    add_subdirectory(${CAPPY_SENTENCEPIECE_SOURCE_DIR} ${CMAKE_BINARY_DIR}/sentencepiece EXCLUDE_FROM_ALL)
    if(TARGET sentencepiece-static)
      set(_cappy_spm_target sentencepiece-static)
    else()
      set(_cappy_spm_target sentencepiece)
    endif()
    if(EMSCRIPTEN)
      # One exception model in the whole module (the core's, core/CMakeLists.txt).
      target_compile_options(${_cappy_spm_target} PRIVATE -fwasm-exceptions)
    endif()
    target_include_directories(cappy_core PRIVATE ${CAPPY_SENTENCEPIECE_SOURCE_DIR}/src)
    target_link_libraries(cappy_core PRIVATE ${_cappy_spm_target})
  else()
    find_package(PkgConfig REQUIRED)
    pkg_check_modules(SENTENCEPIECE REQUIRED IMPORTED_TARGET sentencepiece)
    target_link_libraries(cappy_core PRIVATE PkgConfig::SENTENCEPIECE)
  endif()
  target_compile_definitions(cappy_core PUBLIC CAPPY_WITH_SENTENCEPIECE=1)
else()
  set_source_files_properties(${_cappy_spm_dir}/sentencepiece_tokenizer.cc PROPERTIES HEADER_FILE_ONLY ON)
endif()
