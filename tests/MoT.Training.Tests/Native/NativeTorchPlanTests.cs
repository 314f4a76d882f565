using MoT.Training.Native;

namespace MoT.Training.Tests.Native;

/// <summary>What the libtorch-from-a-folder mode loads, decided from files alone (nothing is dlopen'ed here).</summary>
public sealed class NativeTorchPlanTests : IDisposable
{
    private readonly string _root = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "mot-native-plan-" + Guid.NewGuid().ToString("N"))).FullName;

    private string App => Directory.CreateDirectory(Path.Combine(_root, "app")).FullName;

    private string Folder(string name, params string[] files)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_root, name)).FullName;
        foreach (var file in files) File.WriteAllBytes(Path.Combine(folder, file), []);
        return folder;
    }

    [Fact]
    public void Without_the_variable_a_bundled_libtorch_package_is_used_as_is()
    {
        Folder(Path.Combine("app", "runtimes", "linux-x64", "native"), "libtorch_cpu.so", "libLibTorchSharp.so");
        Assert.Empty(NativeTorchPlan.For(null, App).Libraries);
    }

    [Fact]
    public void Without_the_variable_or_a_bundled_package_the_error_says_what_to_install()
    {
        var error = Assert.Throws<NativeTorchException>(() => NativeTorchPlan.For("", App));
        Assert.EndsWith("install TorchSharp-cpu or TorchSharp-cuda-linux, or set MOT_LIBTORCH_DIR to a PyTorch install's torch/lib", error.Message);
    }

    [Fact]
    public void A_folder_that_does_not_exist_is_named()
    {
        var error = Assert.Throws<NativeTorchException>(() => NativeTorchPlan.For("/no/such/torch/lib", App));
        Assert.StartsWith("MOT_LIBTORCH_DIR=/no/such/torch/lib does not exist", error.Message);
    }

    [Fact]
    public void A_folder_without_libtorch_names_the_missing_libraries()
    {
        var lib = Folder("lib", "libc10.so");
        var error = Assert.Throws<NativeTorchException>(() => NativeTorchPlan.For(lib, App));
        Assert.StartsWith($"MOT_LIBTORCH_DIR={lib} has no libtorch_cpu.so, libtorch.so", error.Message);
    }

    [Fact]
    public void Libraries_load_in_dependency_order_with_CUDA_when_present_and_the_bridge_last()
    {
        var lib = Folder("torch-lib", "libtorch.so", "libtorch_cuda.so", "libc10_cuda.so", "libtorch_cpu.so", "libc10.so", "libtorch_python.so");
        File.WriteAllBytes(Path.Combine(App, "libLibTorchSharp.so"), []);
        var plan = NativeTorchPlan.For(lib, App);
        Assert.Equal(["libc10.so", "libtorch_cpu.so", "libc10_cuda.so", "libtorch_cuda.so", "libtorch.so", "libLibTorchSharp.so"],
            plan.Libraries.Select(Path.GetFileName));
        Assert.Equal(App, Path.GetDirectoryName(plan.Libraries[^1]));
    }

    [Fact]
    public void A_CPU_only_folder_skips_the_CUDA_libraries()
    {
        var lib = Folder("cpu-lib", "libtorch.so", "libtorch_cpu.so", "libc10.so");
        File.WriteAllBytes(Path.Combine(App, "libLibTorchSharp.so"), []);
        Assert.Equal(["libc10.so", "libtorch_cpu.so", "libtorch.so", "libLibTorchSharp.so"],
            NativeTorchPlan.For(lib, App).Libraries.Select(Path.GetFileName));
    }

    [Fact]
    public void A_build_that_bundles_another_libtorch_refuses_a_second_copy()
    {
        Folder(Path.Combine("app", "runtimes", "linux-x64", "native"), "libtorch_cpu.so", "libLibTorchSharp.so");
        var lib = Folder("lib", "libtorch.so", "libtorch_cpu.so", "libc10.so");
        var error = Assert.Throws<NativeTorchException>(() => NativeTorchPlan.For(lib, App));
        Assert.Contains("this build bundles libtorch", error.Message);
    }

    [Fact]
    public void Pointing_at_the_bundled_folder_itself_loads_from_there()
    {
        var bundled = Folder(Path.Combine("app", "runtimes", "linux-x64", "native"), "libtorch.so", "libtorch_cpu.so", "libc10.so", "libLibTorchSharp.so");
        var plan = NativeTorchPlan.For(bundled + "/", App);
        Assert.Equal(Path.Combine(bundled, "libLibTorchSharp.so"), plan.Libraries[^1]);
        Assert.Equal(4, plan.Libraries.Count);
    }

    [Fact]
    public void Without_the_bridge_beside_the_app_the_error_says_how_to_get_it()
    {
        var lib = Folder("lib", "libtorch.so", "libtorch_cpu.so", "libc10.so");
        var error = Assert.Throws<NativeTorchException>(() => NativeTorchPlan.For(lib, App));
        Assert.StartsWith("libLibTorchSharp.so (TorchSharp's native bridge) is missing", error.Message);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
