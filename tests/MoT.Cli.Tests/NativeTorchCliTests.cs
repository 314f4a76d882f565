namespace MoT.Cli.Tests;

/// <summary>`mot` with MOT_LIBTORCH_DIR: the libtorch-from-a-folder mode used on GPU hosts.</summary>
public sealed class NativeTorchCliTests
{
    private static string BundledNativeFolder => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");

    [Fact]
    public async Task A_missing_libtorch_folder_gives_one_error_line_and_a_non_zero_exit()
    {
        using var scratch = new ScratchFolder();
        var result = await MotProcess.RunWithEnvironmentAsync(scratch.Path,
            new Dictionary<string, string?> { ["MOT_LIBTORCH_DIR"] = "/nonexistent/torch/lib" }, "presets");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Equal("error: MOT_LIBTORCH_DIR=/nonexistent/torch/lib does not exist; point it at a folder holding libtorch_cpu.so (a PyTorch install's torch/lib)",
            result.Error.Trim());
        Assert.DoesNotContain("MoT-Medium", result.Output);
    }

    [Fact]
    public async Task A_libtorch_folder_without_the_libraries_names_what_is_missing()
    {
        using var scratch = new ScratchFolder();
        var empty = Directory.CreateDirectory(Path.Combine(scratch.Path, "lib")).FullName;
        var result = await MotProcess.RunWithEnvironmentAsync(scratch.Path,
            new Dictionary<string, string?> { ["MOT_LIBTORCH_DIR"] = empty }, "presets");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"MOT_LIBTORCH_DIR={empty} has no libc10.so, libtorch_cpu.so, libtorch.so", result.Error);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Libtorch_loaded_from_the_configured_folder_trains_steps()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && File.Exists(Path.Combine(BundledNativeFolder, "libtorch_cpu.so")),
            "needs the linux-x64 libtorch of the TorchSharp-cpu package in the build output");
        using var scratch = new ScratchFolder();
        var result = await MotProcess.RunWithEnvironmentAsync(scratch.Path,
            new Dictionary<string, string?> { ["MOT_LIBTORCH_DIR"] = BundledNativeFolder },
            "bench", "gpu", "--device", "cpu", "--presets", "Transformer-Tiny", "--batch-size", "2", "--seq", "16", "--vocab", "32",
            "--steps", "2", "--warmup", "1");
        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Matches(@"Transformer-Tiny\s+[\d.]+M\s+[\d.]+\s+[\d,]+", result.Output);
    }
}
