using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace MoT.Dashboard.Tests;

/// <summary>bUnit with MudBlazor's services and loose JS interop (MudBlazor's components call JS we do not script).</summary>
public abstract class MudComponentTests : IAsyncDisposable
{
    protected MudComponentTests()
    {
        Context.JSInterop.Mode = JSRuntimeMode.Loose;
        Context.Services.AddMudServices();
        // Pages that take a filter read its limits from the container, as the host registers them.
        Context.Services.AddSingleton(MoT.Data.Queries.FilterLimits.Default);
        // The Runs page's group-by panel queries the store only when asked; these tests never ask.
        Context.Services.AddSingleton(new MoT.Data.Queries.RunGroups(contexts: null!));
    }

    protected BunitContext Context { get; } = new();

    // MudBlazor's services are only asynchronously disposable.
    public ValueTask DisposeAsync() => Context.DisposeAsync();
}
