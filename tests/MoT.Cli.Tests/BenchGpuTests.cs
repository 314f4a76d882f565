using MoT.Cli.Bench;

namespace MoT.Cli.Tests;

/// <summary>`mot bench gpu` on machines without a GPU: the CPU path of the same code, and the reference plumbing.</summary>
public sealed class BenchGpuTests
{
    private static readonly string[] TinyShape = ["--device", "cpu", "--batch-size", "2", "--seq", "16", "--vocab", "32", "--steps", "2", "--warmup", "1"];

    [Fact]
    public async Task Without_CUDA_it_says_how_to_time_on_the_CPU_and_exits_non_zero()
    {
        Assert.SkipWhen(TorchSharp.torch.cuda.is_available(), "this machine has CUDA");
        using var scratch = new ScratchFolder();
        var result = await MotProcess.RunAsync(scratch.Path, "bench", "gpu", "--presets", "Transformer-Tiny");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Equal("error: no CUDA device; use --device cpu to time on CPU at a small --batch-size", result.Error.Trim());
    }

    [Fact]
    public async Task On_the_CPU_it_prints_a_row_per_preset_with_the_reference_ratio()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "the stand-in python is a shell script");
        using var scratch = new ScratchFolder();
        // A stand-in for python + torch: prints what bench/mot_reference.py prints, with a parameter count that differs.
        var fakePython = Path.Combine(scratch.Path, "fake-python");
        await File.WriteAllTextAsync(fakePython, """
            #!/bin/sh
            echo 'loading...'
            echo '{"model": "Transformer-Tiny", "params": 123, "tokens_per_s": 1000.0, "step_ms": 32.0}'
            """.Replace("\r", ""), TestContext.Current.CancellationToken);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(fakePython, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var result = await MotProcess.RunAsync(scratch.Path,
            ["bench", "gpu", "--presets", "Transformer-Tiny", "TokenChoice-Tiny/8E", "--python", fakePython, .. TinyShape]);
        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Matches(@"Transformer-Tiny\s+[\d.]+M\s+[\d.]+\s+[\d,]+\s+-\s+n/a\s+1,000\s+[\d.]+x", result.Output);
        Assert.Matches(@"TokenChoice-Tiny/8E\s+[\d.]+M\s+[\d.]+\s+[\d,]+\s+-\s+n/a\s+-\s+-", result.Output);
        Assert.Contains("warning: Transformer-Tiny: the PyTorch reference has 123 parameters", result.Output);
    }

    [Fact]
    public void The_reference_result_line_parses()
    {
        var time = PyTorchReference.Parse("""{"model": "MoT-Medium/32E", "params": 336909312, "tokens_per_s": 335000.5, "step_ms": 195.6, "loss": 10.8}""");
        Assert.Equal(new ReferenceTime("MoT-Medium/32E", 336909312, 335000.5, 195.6), time);
    }

    [Fact]
    public void The_reference_covers_dense_and_MoT_presets_only()
    {
        Assert.True(PyTorchReference.Supports(MoT.Training.Models.ModelPresets.Get("Transformer-Medium").Config));
        Assert.True(PyTorchReference.Supports(MoT.Training.Models.ModelPresets.Get("MoT-Medium/32E").Config));
        Assert.False(PyTorchReference.Supports(MoT.Training.Models.ModelPresets.Get("TokenChoice-Medium/32E").Config));
    }

    [Fact]
    public void The_reference_script_ships_beside_the_app()
    {
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "bench", "mot_reference.py")));
    }
}
