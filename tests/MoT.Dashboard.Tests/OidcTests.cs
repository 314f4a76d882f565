using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using MoT.Dashboard.Accounts;
using MoT.Dashboard.Hosting;

namespace MoT.Dashboard.Tests;

public sealed class OidcTests
{
    private static async Task<(AuthenticationScheme? Scheme, IServiceProvider Services)> SchemeAsync(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddMotDashboard();
        var services = builder.Services.BuildServiceProvider();
        return (await services.GetRequiredService<IAuthenticationSchemeProvider>().GetSchemeAsync(OidcSignIn.Scheme), services);
    }

    [Fact]
    public async Task Without_an_authority_only_cookie_sign_in_is_registered()
    {
        var (scheme, services) = await SchemeAsync([]);
        Assert.Null(scheme);
        Assert.False(services.GetRequiredService<OidcSettings>().IsConfigured);
    }

    [Fact]
    public async Task With_authority_and_client_the_oidc_scheme_signs_into_the_cookie()
    {
        var (scheme, services) = await SchemeAsync(new()
        {
            ["Authentication:Oidc:Authority"] = "https://login.example.org/realms/mot",
            ["Authentication:Oidc:ClientId"] = "dashboard",
            ["Authentication:Oidc:ClientSecret"] = "s3cret",
            ["Authentication:Oidc:DisplayName"] = "Lab SSO",
        });

        Assert.NotNull(scheme);
        Assert.Equal("Lab SSO", scheme.DisplayName);
        var options = services.GetRequiredService<IOptionsMonitor<OpenIdConnectOptions>>().Get(OidcSignIn.Scheme);
        Assert.Equal("https://login.example.org/realms/mot", options.Authority);
        Assert.Equal("dashboard", options.ClientId);
        Assert.Equal("code", options.ResponseType);
        Assert.Equal(Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationDefaults.AuthenticationScheme, options.SignInScheme);
    }

    [Theory]
    [InlineData("preferred_username", "rita")]
    [InlineData(ClaimTypes.Email, "rita@example.org")]
    [InlineData("sub", "1234")]
    public void The_user_name_is_the_first_of_preferred_username_email_subject(string claim, string expected) =>
        Assert.Equal(expected, OidcSignIn.UserNameOf(new ClaimsPrincipal(new ClaimsIdentity([new Claim(claim, expected), new Claim("name", "Rita R")]))));
}
