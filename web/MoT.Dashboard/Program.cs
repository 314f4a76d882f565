using MoT.Dashboard.Hosting;

// dotnet run --project web/MoT.Dashboard  ->  http://localhost:5080 (all-in-one: silo, SQLite store, local worker)
// The all-in-one mode trains with TorchSharp: bind libtorch (MOT_LIBTORCH_DIR or the bundled package) first.
if (MoT.Training.Native.NativeTorch.TryLoad() is { } torchProblem)
{
    Console.Error.WriteLine($"error: {torchProblem}");
    return 1;
}

var builder = WebApplication.CreateBuilder(args);
try
{
    builder.AddMotPlatform();
}
catch (InvalidOperationException setting)
{
    // Settings are checked while the platform is configured (clustering, endpoints, TLS certificate): one line naming it.
    Console.Error.WriteLine($"error: {setting.Message}");
    return 1;
}

builder.AddMotDashboard();

var app = builder.Build();
await app.InitializeMotDashboardAsync();
app.MapMotDashboard();
await app.RunAsync();
return 0;

/// <summary>Entry point; public so tests can refer to the assembly.</summary>
public partial class Program;
