# Build habits: ccache when present, warnings as errors for our own code, sanitizers by option.

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${CCACHE_PROGRAM}")
endif()

option(SYNDICATED_WARNINGS_AS_ERRORS "Treat compiler warnings as errors" ON)
option(SYNDICATED_ENABLE_ASAN "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(SYNDICATED_ENABLE_FUZZ "Build fuzz targets with libFuzzer (clang only)" OFF)

# Every target of ours calls syndicated_target_options(<target>).
add_library(syndicated_options INTERFACE)
target_compile_options(syndicated_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Wunused
  -Woverloaded-virtual -Wimplicit-fallthrough
  $<$<BOOL:${SYNDICATED_WARNINGS_AS_ERRORS}>:-Werror>)
target_include_directories(syndicated_options INTERFACE ${PROJECT_SOURCE_DIR})
if(SYNDICATED_ENABLE_ASAN)
  target_compile_options(syndicated_options INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(syndicated_options INTERFACE -fsanitize=address,undefined)
endif()

function(syndicated_target_options target)
  target_link_libraries(${target} PRIVATE syndicated_options)
endfunction()
