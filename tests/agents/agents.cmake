# Agent tests: the installed-to-be fence_bmclink against a real ipmi_sim, suite17_bmc and
# hostile_bmc, in a private network namespace (label "agent"; skip 77 without root).
add_executable(hostile_bmc ${CMAKE_CURRENT_LIST_DIR}/hostile_bmc.c)
add_test(NAME agent_fence_bmclink
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/run_agent_tests $<TARGET_FILE:fence_bmclink>
            $<TARGET_FILE:hostile_bmc> $<TARGET_FILE:suite17_bmc>)
set_tests_properties(agent_fence_bmclink PROPERTIES SKIP_RETURN_CODE 77 LABELS agent TIMEOUT 300)

# suite17_bmc: a loopback BMC offering cipher suite 17 only (ipmi_sim cannot); ipmitool and
# ipmipower vouch for it in run_suite17_tests before fence_bmclink is tested against it.
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
add_executable(suite17_bmc ${CMAKE_CURRENT_LIST_DIR}/../tools/suite17_bmc.c)
target_link_libraries(suite17_bmc PRIVATE bmclink OpenSSL::Crypto)

# bmclinkd's heartbeat over cipher suite 17 (default cipher choice) against suite17_bmc.
add_test(NAME agent_heartbeat_suite17
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/heartbeat_suite17.sh $<TARGET_FILE:heartbeat_sel_sim>
            $<TARGET_FILE:suite17_bmc>)
set_tests_properties(agent_heartbeat_suite17 PROPERTIES SKIP_RETURN_CODE 77 LABELS agent
                     TIMEOUT 120)
