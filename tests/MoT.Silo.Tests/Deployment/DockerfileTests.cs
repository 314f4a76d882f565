using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MoT.Silo.Tests.Deployment;

/// <summary>
/// The images start the same programs the tests start as plain processes (<c>dotnet MoT.Silo.dll</c>,
/// <c>dotnet MoT.Dashboard.dll</c>), and the CUDA image is built so TorchSharp finds a CUDA libtorch.
/// </summary>
public sealed partial class DockerfileTests
{
    private const string Cpu = "deploy/docker/Dockerfile.cpu";
    private const string Cuda = "deploy/docker/Dockerfile.cuda";

    [Fact]
    public void Cpu_image_silo_target_starts_the_silo_host_assembly()
    {
        var silo = Stage(Cpu, "silo");
        Assert.Equal(["dotnet", $"{typeof(SiloHostOptions).Assembly.GetName().Name}.dll"], Entrypoint(silo));
        Assert.Contains("WORKDIR /app/silo", silo);
    }

    [Fact]
    public void Cpu_image_dashboard_target_starts_the_dashboard_assembly_on_all_interfaces()
    {
        var dashboard = Stage(Cpu, "dashboard");
        Assert.Equal(["dotnet", "MoT.Dashboard.dll"], Entrypoint(dashboard));
        Assert.Contains("WORKDIR /app/dashboard", dashboard);
        Assert.Contains("ENV Urls=http://+:5080", dashboard);
        // The same file name the dashboard end-to-end tests start (tests/MoT.Dashboard.Tests DashboardServer).
        Assert.Contains("\"MoT.Dashboard.dll\"", DeploymentFiles.Read("tests/MoT.Dashboard.Tests/EndToEnd/DashboardServer.cs"));
    }

    [Fact]
    public void Cuda_image_starts_the_same_silo_entry_on_ubuntu_24_04_with_libtorch_from_a_directory()
    {
        var text = DeploymentFiles.Read(Cuda);
        var silo = Stage(Cuda, "silo");
        Assert.Equal(["dotnet", "MoT.Silo.dll"], Entrypoint(silo));
        Assert.Equal(Entrypoint(Stage(Cpu, "silo")), Entrypoint(silo));

        // Ubuntu 24.04's libstdc++ has GLIBCXX_3.4.32, which TorchSharp 0.107's bridge needs.
        Assert.Matches(@"ARG CUDA_IMAGE=nvidia/cuda:[0-9.]+-[a-z]+-ubuntu24\.04", text);
        Assert.Contains("FROM ${CUDA_IMAGE} AS silo", text);

        var libtorch = EnvOf(Cuda, "MOT_LIBTORCH_DIR");
        Assert.Equal(libtorch, EnvOf(Cuda, "LD_LIBRARY_PATH"));
        Assert.EndsWith("/torch/lib", libtorch);
        // libtorch 2.10 is the one TorchSharp 0.107 was built against.
        Assert.Contains("ARG TORCH_VERSION=2.10.0", text);
        Assert.Contains("TorchSharp\" Version=\"0.107.0\"", DeploymentFiles.Read("Directory.Packages.props"));
        // The CPU libtorch that publishing copies must not shadow the CUDA one; the bridge itself stays.
        Assert.Contains("rm -f \"$dir\"/libtorch*.so", text);
        Assert.DoesNotContain("libLibTorchSharp.so\"", text.Split("rm -f")[1].Split("done")[0]);
    }

    [Fact]
    public void Both_images_publish_the_programs_they_start_with_the_shared_script()
    {
        Assert.Contains("RUN deploy/docker/publish.sh /out silo cli dashboard", DeploymentFiles.Read(Cpu));
        Assert.Contains("RUN deploy/docker/publish.sh /out silo cli", DeploymentFiles.Read(Cuda));
        var script = DeploymentFiles.Read("deploy/docker/publish.sh");
        Assert.Contains("silo) echo src/MoT.Silo/MoT.Silo.csproj", script);
        Assert.Contains("cli) echo src/MoT.Cli/MoT.Cli.csproj", script);
        Assert.Contains("dashboard) echo web/MoT.Dashboard/MoT.Dashboard.csproj", script);
        foreach (var project in new[] { "src/MoT.Silo/MoT.Silo.csproj", "src/MoT.Cli/MoT.Cli.csproj", "web/MoT.Dashboard/MoT.Dashboard.csproj" })
        {
            Assert.True(File.Exists(DeploymentFiles.PathOf(project)), project);
        }
    }

    [Fact]
    public async Task Publish_script_is_valid_bash_and_refuses_an_unknown_program()
    {
        var script = DeploymentFiles.PathOf("deploy/docker/publish.sh");
        Assert.Equal(0, (await RunAsync("bash", "-n", script)).Exit);

        var unknown = await RunAsync("bash", script, Path.Combine(Path.GetTempPath(), "mot-publish-" + Guid.NewGuid().ToString("N")), "trainer");
        Assert.Equal(2, unknown.Exit);
        Assert.Contains("unknown program 'trainer'", unknown.Error);
    }

    [Fact]
    public void Build_context_leaves_out_build_outputs_and_git()
    {
        var ignore = DeploymentFiles.Read(".dockerignore").Split('\n').Select(l => l.Trim()).ToList();
        Assert.Contains("**/bin/", ignore);
        Assert.Contains("**/obj/", ignore);
        Assert.Contains(".git/", ignore);
    }

    /// <summary>The value an <c>ENV</c> instruction of the file gives a variable (single or multi-line form).</summary>
    internal static string EnvOf(string dockerfile, string name)
    {
        var match = Regex.Match(DeploymentFiles.Read(dockerfile), $@"(?:ENV|\\\n)\s+(?:[^\n]*\s)?{Regex.Escape(name)}=(?<value>\S+)");
        Assert.True(match.Success, $"{dockerfile} sets no {name}");
        return match.Groups["value"].Value;
    }

    /// <summary>The instructions of one build stage, from its FROM line to the next.</summary>
    private static string Stage(string dockerfile, string name)
    {
        var text = DeploymentFiles.Read(dockerfile);
        var start = text.IndexOf($" AS {name}\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"{dockerfile} has no stage {name}");
        var next = text.IndexOf("\nFROM ", start, StringComparison.Ordinal);
        return next < 0 ? text[start..] : text[start..next];
    }

    private static string[] Entrypoint(string stage)
    {
        var line = Assert.Single(stage.Split('\n'), l => l.StartsWith("ENTRYPOINT ", StringComparison.Ordinal));
        // Exec form only: a shell form would put /bin/sh between the container and the process that gets SIGTERM.
        return JsonSerializer.Deserialize<string[]>(line["ENTRYPOINT ".Length..])!;
    }

    private static async Task<(int Exit, string Error)> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await error);
    }
}
