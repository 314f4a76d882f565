using MoT.Dashboard.Hosting;

// dotnet run --project web/MoT.Dashboard  ->  http://localhost:5080 (all-in-one: silo, SQLite store, local worker)
var builder = WebApplication.CreateBuilder(args);
builder.AddMotPlatform();
builder.AddMotDashboard();

var app = builder.Build();
await app.InitializeMotDashboardAsync();
app.MapMotDashboard();
await app.RunAsync();

/// <summary>Entry point; public so tests can refer to the assembly.</summary>
public partial class Program;
