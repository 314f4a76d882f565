namespace MoT.Silo;

/// <summary>How this process joins the cluster (configuration section "Silo"; <c>--role</c> sets Silo:Role).</summary>
public sealed class SiloHostOptions
{
    public const string Section = "Silo";

    /// <summary>control, gpu or all.</summary>
    public string Role { get; set; } = "all";

    /// <summary>Unique, stable silo name; slot keys are "name/device". Default: machine name and silo port.</summary>
    public string? Name { get; set; }

    public int SiloPort { get; set; } = 11111;

    public int GatewayPort { get; set; } = 30000;

    /// <summary>Localhost clustering: the first silo's port, which every other silo on the machine joins.</summary>
    public int PrimarySiloPort { get; set; } = 11111;

    public string ClusterId { get; set; } = "mot";

    public string ServiceId { get; set; } = "mot-platform";

    /// <summary>Train with the simulated executor (<c>--simulate</c>); the TorchSharp executor is not wired in yet.</summary>
    public bool Simulate { get; set; }

    /// <summary>Submit a demo sweep once the silo is up (<c>--demo</c>).</summary>
    public bool Demo { get; set; }

    /// <summary>Measure scheduling latency over this many runs, print it and exit (<c>--bench N</c>; 0: off).</summary>
    public int Bench { get; set; }

    public bool HasControl => Role is "control" or "all";

    public bool HasGpu => Role is "gpu" or "all";
}
