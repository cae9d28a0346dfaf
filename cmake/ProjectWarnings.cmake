# Warnings are errors in the project's own code. Third-party headers come in as SYSTEM
# (imported targets), so their warnings never fail our build.
function(fraudops_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wpedantic -Wshadow
                                           -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
                                           -Woverloaded-virtual
                                           -Wimplicit-fallthrough)
endfunction()

# Generated code (protoc, grpc_cpp_plugin) is not ours: build it without -Werror.
function(fraudops_generated_code target)
  target_compile_options(${target} PRIVATE -w)
endfunction()
