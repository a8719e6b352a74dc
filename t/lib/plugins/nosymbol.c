/*
 * NAME
 *	nosymbol - a shared object without lg_plugin_descriptor
 */
int nosymbol_something(void);

int nosymbol_something(void)
{
	return 42;
}
