# Trap intake: PET decoding, the accept/drop policy, the trap configuration.
bl_unit_test(test_pet SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pet.c)
bl_unit_test(test_trap SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_trap.c)
bl_unit_test(test_trap_config SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_trap_config.c)
bl_unit_test(test_trap_receiver SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_trap_receiver.c
             LIBS bmclink_trap)

# Hostile input: the trap fuzz target's seed corpus (real snmptrap captures plus hand-made
# junk, tests/fuzz/trap/corpus) replayed through the daemon's bytes-to-decision path.
set(_trap_fuzz_dir ${CMAKE_CURRENT_LIST_DIR}/../fuzz/trap)
# Under BMCLINK_FUZZ the decoders carry coverage instrumentation, which only libFuzzer
# binaries link; the replay is then the fuzzer itself.
if(NOT BMCLINK_FUZZ)
    add_executable(fuzz_trap_replay ${_trap_fuzz_dir}/fuzz_trap.c ${_trap_fuzz_dir}/replay.c)
    target_link_libraries(fuzz_trap_replay PRIVATE bmclink_trap)
    add_test(NAME fuzz_trap_replay COMMAND fuzz_trap_replay ${_trap_fuzz_dir}/corpus)
    set_tests_properties(fuzz_trap_replay PROPERTIES LABELS unit)
else()
    if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
        message(FATAL_ERROR "BMCLINK_FUZZ needs clang (CC=clang)")
    endif()
    add_executable(fuzz_trap ${_trap_fuzz_dir}/fuzz_trap.c)
    target_compile_options(fuzz_trap PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(fuzz_trap PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(fuzz_trap PRIVATE bmclink_trap)
endif()

# The simulated BMC: an ipmi_sim plug-in (loadlib), not linked into bmclink.
set(_bmcsim_dir ${CMAKE_CURRENT_LIST_DIR}/../bmcsim)
add_library(bmcsim MODULE ${_bmcsim_dir}/bmcsim.c ${_bmcsim_dir}/bmcsim_core.c)
set_target_properties(bmcsim PROPERTIES PREFIX "" POSITION_INDEPENDENT_CODE ON)
target_include_directories(bmcsim PRIVATE ${_bmcsim_dir})
target_link_libraries(bmcsim PRIVATE bmclink_trap)
bl_unit_test(test_trap_bmcsim SOURCES ${_bmcsim_dir}/test_bmcsim_core.c ${_bmcsim_dir}/bmcsim_core.c)
target_include_directories(test_trap_bmcsim PRIVATE ${_bmcsim_dir})
# With a real ipmi_sim in a private network namespace, ipmitool and our receiver / snmptrapd.
# A sanitized plug-in needs the sanitizer runtimes preloaded into (uninstrumented) ipmi_sim.
set(_bmcsim_preload "")
if(BMCLINK_SANITIZE)
    foreach(_rt libasan.so libubsan.so)
        execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=${_rt}
                        OUTPUT_VARIABLE _p OUTPUT_STRIP_TRAILING_WHITESPACE)
        string(APPEND _bmcsim_preload "${_p} ")
    endforeach()
endif()
add_test(NAME test_trap_bmcsim_sim COMMAND ${_bmcsim_dir}/test-bmcsim.sh $<TARGET_FILE:bmcsim>
         $<TARGET_FILE:trap_listen> "${_bmcsim_preload}")
set_tests_properties(test_trap_bmcsim_sim PROPERTIES SKIP_RETURN_CODE 77 LABELS integration
                     TIMEOUT 180)
