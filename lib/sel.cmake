# SEL: Get SEL Info / Get SEL Entry replies and the health classification of events (pure).
target_sources(bmclink PRIVATE ${CMAKE_CURRENT_LIST_DIR}/bl_sel.c)

# Coverage for the SEL fuzz target (tests/fuzz/fuzz_sel.c) reaches into the decoder.
if(BMCLINK_FUZZ)
    set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/bl_sel.c
        PROPERTIES COMPILE_OPTIONS -fsanitize=fuzzer-no-link)
endif()
