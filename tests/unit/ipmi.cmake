# IPMI client and fence agent unit tests (cmocka, one file per module).
set(_ipmi_fake ${CMAKE_CURRENT_LIST_DIR}/ipmi_fake.c)
bl_unit_test(test_ipmi_msg SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ipmi_msg.c)
bl_unit_test(test_ipmi_glib SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ipmi_glib.c)
bl_unit_test(test_ipmi_sync SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ipmi_sync.c ${_ipmi_fake})
bl_unit_test(test_fence_opt SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_fence_opt.c)
bl_unit_test(test_fence SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_fence.c ${_ipmi_fake})
target_include_directories(test_ipmi_sync PRIVATE ${CMAKE_CURRENT_LIST_DIR})
target_include_directories(test_fence PRIVATE ${CMAKE_CURRENT_LIST_DIR})
